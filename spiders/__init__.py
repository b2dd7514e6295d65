"""The Scrapy project: spiders that discover and fetch article pages of the sites into raw/."""
