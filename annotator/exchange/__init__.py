"""Exchange: dataset export and import, whole-database backup and restore."""
