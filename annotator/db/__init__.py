"""The database: engine, sessions, SQLite writer queue, group commit, migrations, audit."""
