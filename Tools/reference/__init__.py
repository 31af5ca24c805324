"""Helpers for Tools/make_fixtures.py (reference fixtures made with diffusers)."""
