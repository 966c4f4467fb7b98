"""A reader of the site in a bucket, run in its own process while a deploy runs.

    python -m tests.s3reader URL ACCESS SECRET BUCKET STOPFILE RESULT.json

Over and over until STOPFILE exists: list the bucket to find the entry pages (home pages,
banner snippets: what readers arrive on), fetch them and every page they link to, and check
that each relative link resolves to an object that is there. A link found missing is only a
broken site if the page that links to it is still the same bytes when fetched again (the
reader may hold a page that was replaced meanwhile; that is not what a reader arriving now
sees). Writes {"rounds", "checked", "violations"} to RESULT.json after each round.
"""

from __future__ import annotations

import json
import posixpath
import re
import sys
from pathlib import Path
from typing import Any

LINK = re.compile(r'(?:href|src)="([^"#?]+)[^"]*"')


def entry(key: str) -> bool:
    parts = key.split("/")
    return key == "index.html" or (len(parts) == 2 and parts[1] == "index.html") or parts[0] == "banner"


def links(page: str, body: bytes) -> set[str]:
    found = set()
    for href in LINK.findall(body.decode("utf-8", "replace")):
        if re.match(r"^[a-z]+:", href) or href.startswith("/"):
            continue  # absolute (canonical, alternates), mailto:, tel:, data:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), href))
        if href.endswith("/"):
            target += "/index.html"
        found.add(target)
    return found


def main(url: str, access: str, secret: str, bucket: str, stop: str, result: str) -> None:
    import boto3

    s3 = boto3.session.Session().client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=access,
        aws_secret_access_key=secret,
    )

    def get(key: str) -> bytes | None:
        try:
            return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None

    def exists(key: str) -> bool:
        try:
            s3.head_object(Bucket=bucket, Key=key)
            return True
        except s3.exceptions.ClientError:
            return False

    rounds = checked = 0
    violations: list[dict[str, Any]] = []
    while not Path(stop).exists():
        rounds += 1
        listing = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        queue = [o["Key"] for o in listing if entry(o["Key"]) and o["Key"].endswith(".html")]
        seen: set[str] = set()
        present: set[str] = set()
        while queue:
            page = queue.pop()
            if page in seen:
                continue
            seen.add(page)
            body = get(page)
            if body is None:
                continue  # deleted since the listing, or not linked any more
            for target in sorted(links(page, body)):
                checked += 1
                if target in present:
                    continue  # seen in this round (the stylesheet, the feeds: linked everywhere)
                if not exists(target):
                    if get(page) == body:
                        violations.append({"page": page, "missing": target})
                    continue
                if target.endswith(".html"):
                    queue.append(target)
                else:
                    present.add(target)
        # After every round, so a test can wait for rounds that started after a change.
        tmp = Path(result + ".tmp")
        tmp.write_text(json.dumps({"rounds": rounds, "checked": checked, "violations": violations}))
        tmp.replace(result)


if __name__ == "__main__":
    main(*sys.argv[1:7])
