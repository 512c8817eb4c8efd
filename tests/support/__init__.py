"""Test support: real Redis, the TGI simulator in a thread, worker processes, free ports."""
