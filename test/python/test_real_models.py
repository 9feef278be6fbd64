"""`stablehlo-eqsat-real-models`: keras-hub backbones lowered with weights as arguments. The export
itself needs the optional `models` extra (skipped without it); the rest does not."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from stablehlo_eqsat.tools import real_models

HAVE_KERAS_HUB = importlib.util.find_spec("keras_hub") is not None


def test_every_size_configures_every_model() -> None:
    for size, s in real_models.SIZES.items():
        specs = real_models.model_specs(size)
        assert {"bert", "gpt2", "t5", "llama", "mistral", "qwen3", "gemma", "vit"} <= set(specs)
        assert s.hidden % s.heads == 0, size


def test_load_models_reads_the_folder(tmp_path: Path) -> None:
    (tmp_path / "bert-small.mlir").write_text("module {}\n")
    (tmp_path / "notes.txt").write_text("x")
    models = real_models.load_models(tmp_path)
    assert list(models) == ["bert-small"]
    assert models["bert-small"]() == "module {}\n"


def test_unknown_model_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as e:
        real_models.main(["--out", str(tmp_path), "--models", "nosuchmodel"])
    assert e.value.code == 2


@pytest.mark.skipif(HAVE_KERAS_HUB, reason="keras-hub is installed")
def test_without_keras_hub_the_tool_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert real_models.main(["--out", str(tmp_path), "--models", "bert"]) == 2
    assert "pip install -e '.[models]'" in capsys.readouterr().err


@pytest.mark.skipif(not HAVE_KERAS_HUB, reason="needs the optional `models` extra (keras-hub)")
def test_a_backbone_lowers_with_weights_as_arguments() -> None:
    text, info = real_models.lower("bert", "small")
    assert "func.func public @main" in text and "stablehlo.dot_general" in text
    main_args = text.split("func.func public @main(", 1)[1].split(") ->", 1)[0]
    assert main_args.count("%arg") > 10  # every weight is an argument
    assert info["inputs"]["token_ids"][0] == [2, 128]
