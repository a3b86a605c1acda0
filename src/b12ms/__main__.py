"""``python -m b12ms`` runs the command line."""

from b12ms.cli import main

main()
