"""The browser side: pages from the index, served (`serve`) or built to files (`site build`)."""
