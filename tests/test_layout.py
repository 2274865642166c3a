"""The top-level graphql/ folder must never hide the graphql-core library."""

import pathlib
import subprocess
import sys

import graphql

import saleor_o2o.graphql

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_graphql_core_is_the_library_not_the_repository_folder():
    assert hasattr(graphql, "GraphQLSchema")
    assert pathlib.Path(graphql.__file__).resolve().parent != REPO_ROOT / "graphql"


def test_extension_graphql_package_is_the_repository_folder():
    assert (
        pathlib.Path(saleor_o2o.graphql.__file__).resolve().parent
        == REPO_ROOT / "graphql"
    )


def test_repository_root_is_not_on_sys_path():
    roots = {pathlib.Path(p or ".").resolve() for p in sys.path}
    assert REPO_ROOT not in roots


def test_no_files_that_would_put_the_root_on_sys_path():
    assert not (REPO_ROOT / "tests" / "__init__.py").exists()
    assert not (REPO_ROOT / "conftest.py").exists()


def test_installed_package_imports_from_a_neutral_directory(tmp_path):
    code = (
        "import graphql, saleor_o2o.graphql, saleor_o2o.migrations;"
        "print(graphql.__file__); print(saleor_o2o.graphql.__file__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    library, extension = result.stdout.split()
    assert "site-packages" in library
    assert pathlib.Path(extension).resolve().parent == REPO_ROOT / "graphql"


def test_setup_cfg_lists_every_package():
    """A package missing from ``packages`` is left out of a built distribution."""
    import configparser

    root = REPO_ROOT
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {"saleor_o2o.migrations"}
    for folder, prefix in (
        ("saleor_o2o", "saleor_o2o"),
        ("graphql", "saleor_o2o.graphql"),
    ):
        for init in (root / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(root / folder).parts
            found.add(".".join((prefix,) + parts))
    assert sorted(found - listed) == [] and sorted(listed - found) == []
