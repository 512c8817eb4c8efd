"""Test support: processes, servers in threads, the simulator, problem data, `mathbot ask`, waiting."""
