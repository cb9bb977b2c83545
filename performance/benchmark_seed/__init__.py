"""The page benchmark's data set (benchmarks/pages.py), seeded by manage.py seed_benchmark."""
