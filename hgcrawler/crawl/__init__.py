"""Running one crawl: the session that owns it, the runner cron uses, how it went, how it stops."""
