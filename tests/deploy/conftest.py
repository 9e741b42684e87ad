from tests.edge.fixtures import central, edge_process, wan  # noqa: F401
