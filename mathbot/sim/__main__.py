"""`python -m mathbot.sim`: run the simulated TGI server."""

from mathbot.sim.cli import main

raise SystemExit(main())
