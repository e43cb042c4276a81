"""Live feeds: `flashpoint watch` polls RSS/Atom feeds and article pages politely, codes and
stores every new article, and evaluates the watchlists each cycle (docs/feeds.md).

Modules: `config` (the feeds file), `urls` (which URLs may be fetched), `fetch` (the polite
fetcher), `parse` (feeds to entries, pages to documents), `state` (crawl state in the store),
`watch` (the loop), `alerting` (the call into flashpoint.monitor), `commands` (the CLI). Nothing
is imported here, so `flashpoint` starts without loading httpx and feedparser.
"""
