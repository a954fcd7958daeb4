"""Background jobs: the huey queue every feature shares, the one shape of a job's state, and
the jobs of no one feature (the search index).

``queue.py`` builds the queue and registers each feature's tasks; ``state.py`` is what
every progress panel reads; ``search_index.py`` and ``cli.py`` are the search index job.
"""
