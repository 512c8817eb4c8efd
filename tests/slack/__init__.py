"""Tests of the Slack adapter against a real Redis, the TGI simulator and a fake Slack Web API."""
