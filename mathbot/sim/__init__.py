"""A simulated text-generation-inference (TGI) server: TGI's HTTP protocol, R1-shaped fake answers.

    from mathbot.sim import SimConfig, make_app, serve, main

No GPU and no model: it streams deterministic placeholder reasoning and a boxed answer (the official
one for known competition problems) at a set token rate, and can inject faults through `/_sim/*`.
"""

from mathbot.sim.cli import main, serve
from mathbot.sim.config import SimConfig
from mathbot.sim.server import make_app

__all__ = ["SimConfig", "main", "make_app", "serve"]
