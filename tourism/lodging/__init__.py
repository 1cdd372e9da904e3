"""Lodging: establishments and, later, their rooms, stays and guests."""
