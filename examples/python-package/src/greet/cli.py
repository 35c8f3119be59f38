"""`greet NAME…`: print a greeting per name."""

import sys

from greet import greeting


def main(argv=None) -> int:
    names = sys.argv[1:] if argv is None else argv
    for name in names or [""]:
        print(greeting(name))
    return 0
