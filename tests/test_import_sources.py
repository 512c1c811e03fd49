"""Which files an import reads when it is given files and folders, however many (a shell glob names thousands)."""

from articles.importers.source import collect_files


def names(found):
    return [path.name for path in found]


def test_files_inside_a_folder_named_before_them_are_collected_once(tmp_path):
    for name in ("a.txt", "b.txt", "sub/c.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")

    found = collect_files([tmp_path, tmp_path / "b.txt", tmp_path / "sub", tmp_path / "sub" / "c.txt"], {".txt"})

    assert names(found) == ["a.txt", "b.txt", "c.txt"]


def test_thousands_of_files_named_one_by_one_are_each_collected_once(tmp_path):
    paths = []
    for n in range(3000):
        paths.append(tmp_path / f"{n:04d}.txt")
        paths[-1].write_text("x")

    found = collect_files([*paths, tmp_path, paths[0]], {".txt"})

    assert names(found) == [path.name for path in paths]


def test_a_folders_files_come_in_the_order_of_their_names_subfolders_among_them(tmp_path):
    for name in ("b.txt", "a/z.txt", "Z.txt", "é.txt", "ab.txt", "a.txt", "c.json", "e.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")

    found = collect_files([tmp_path], {".txt"})

    assert [str(path.relative_to(tmp_path)) for path in found] == [
        "Z.txt",
        "a/z.txt",
        "a.txt",
        "ab.txt",
        "b.txt",
        "e.txt",
        "é.txt",
    ]
