"""Archived copies of articles in the format Chinese-language news mirrors use."""
