"""Offline stand-in for the pip bootstrap script ansible-test downloads.

ansible-test bootstraps pip into each venv it creates by running
``get-pip.py --disable-pip-version-check pip==X [--no-setuptools] [--no-wheel]``, which it
downloads from a host this machine cannot reach. It first looks for a cached copy at
``~/.ansible/test/cache/get_pip_<X_Y>.py``; tools/prepare.sh copies this file there.

It installs the interpreter's bundled pip with ensurepip, then lets that pip install the
requested packages (pip==X) from the package index.
"""

import subprocess
import sys

DROP = {"--no-setuptools", "--no-wheel"}


def main() -> None:
    args = [arg for arg in sys.argv[1:] if arg not in DROP]
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *args], check=True)


if __name__ == "__main__":
    main()
