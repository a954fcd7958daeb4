"""Background jobs that belong to no one feature (the search index), on the app's huey queue.

The queue itself is built by annotator/suggestions/queue.py, which registers these tasks too.
"""
