"""Attendance per office: headcounts by staff category, checked and compared with staffing."""
