"""`python -m closeloop_devstack` (see closeloop_devstack.cli)."""

from closeloop_devstack.cli import main

raise SystemExit(main())
