"""The library for machines: Atom feeds, the sitemap, robots.txt, bulk downloads."""
