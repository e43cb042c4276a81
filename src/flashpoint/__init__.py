"""flashpoint: raw news in, coded political events out."""

__version__ = "0.1.0"


def build() -> str:
    """ "compiled" when the hot path was compiled with mypyc (`make fast`, setup.py), else
    "pure". The tokenizer stands for the compiled modules: all of them are built together."""
    from .text import tokens

    return "compiled" if not tokens.__file__.endswith(".py") else "pure"
