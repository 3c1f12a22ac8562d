"""Checklist results against the version the visit follows, and the score they give."""
