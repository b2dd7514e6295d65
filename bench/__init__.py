"""The benchmark (`python -m bench`, `make bench`): not product code, it times the product's commands."""
