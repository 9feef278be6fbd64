"""dialect_glue"""
