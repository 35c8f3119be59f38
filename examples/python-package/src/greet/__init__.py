"""Greetings, the package the python-package example builds."""

__version__ = "1.0.0"


def greeting(name: str) -> str:
    """Return the greeting for `name` (a stranger without one)."""
    name = name.strip()
    return f"hello, {name}!" if name else "hello, stranger!"
