"""Two agreement contents compared as a person reads the agreement (see content.py)."""

from agreements.comparison.content import (
    ADDED,
    CHANGED,
    MISSING,
    REMOVED,
    UNCHANGED,
    FieldDiff,
    ItemDiff,
    ItemGroup,
    SectionDiff,
    compare_content,
)
from agreements.comparison.refs import compare_refs, default_refs

__all__ = [
    "ADDED",
    "CHANGED",
    "MISSING",
    "REMOVED",
    "UNCHANGED",
    "FieldDiff",
    "ItemDiff",
    "ItemGroup",
    "SectionDiff",
    "compare_content",
    "compare_refs",
    "default_refs",
]
