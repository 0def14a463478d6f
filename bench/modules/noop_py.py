"""The benchmark's no-op Python module: returns at once, so only the executor's cost is measured."""


def run(ctx, payload, params):
    return None
