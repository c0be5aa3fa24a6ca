-- merge.sql: the totals of `erofs-share scan` from per-input manifests, in standard SQL
-- (window functions + GROUP BY; tested on SQLite >= 3.25 and DuckDB 1.5 (NDJSON and Parquet),
-- written for Spark SQL and Trino too).
--
-- At fleet scale each image is scanned in its own job:
--     erofs-share scan --manifest-out manifests/ IMAGE
-- and the manifests (newline-delimited JSON, see erofs-share-scan(1)) are loaded into three
-- relations, named as below, with the engine's own JSON reader:
--   files(input, path, size, class, fingerprint, fingerprint_value, sha256)
--         one row per file line of every manifest (the first line of a manifest describes the
--         input and is not a file; skip it: it has no "path");
--   inputs(input, position, domain, mount_mode)
--         one row per manifest: its "input" name, its place in the mount order (0, 1, ...), the
--         domain_id it is mounted with and "block" or "fileio";
--   params(page_size)
--         one row, e.g. 4096.
-- The result has one row per input plus a row with position -1 for all inputs together;
-- the figures equal those of `erofs-share scan --format json` over the same manifests with the
-- same --domain/--mount-mode settings and the default --assume order.
--
-- The model, as in the kernel (erofs-format.md §6.5): a file takes part now if its manifest
-- row says fingerprint = 'usable'; its key is (fingerprint_value, domain). Once every file is
-- tagged, the key is (content, domain), where content is the SHA-256 read, else the digest of
-- a "sha256:" fingerprint, and is known only for sizes held by more than one file. In every
-- key the first file in mount order fixes the I/O class and size; later files with the same
-- class and size share its pages (their page_bytes are saved). Difference from the kernel:
-- keys are (value, domain) pairs, not the concatenated bytes, which only matters for values of
-- different lengths whose concatenations with domain names coincide.
WITH f AS (
  SELECT
    i.position,
    f.input,
    f.path,
    f.size,
    i.domain,
    CASE WHEN f.class = 'compressed' THEN 'compressed' ELSE i.mount_mode END AS io_class,
    f.size + (p.page_size - f.size % p.page_size) % p.page_size AS page_bytes,
    CASE WHEN f.fingerprint = 'usable' THEN f.fingerprint_value END AS now_key,
    CASE WHEN COUNT(*) OVER (PARTITION BY f.size) >= 2 THEN
      COALESCE(f.sha256,
               CASE WHEN LENGTH(f.fingerprint_value) = 78
                         AND SUBSTR(f.fingerprint_value, 1, 14) = '7368613235363a'  -- "sha256:"
                    THEN SUBSTR(f.fingerprint_value, 15) END)
    END AS content
  FROM files f
  JOIN inputs i ON i.input = f.input
  CROSS JOIN params p
),
ranked AS (
  SELECT
    f.*,
    ROW_NUMBER() OVER (PARTITION BY now_key, domain ORDER BY position, path) AS now_rank,
    FIRST_VALUE(io_class) OVER (PARTITION BY now_key, domain ORDER BY position, path) AS now_class,
    FIRST_VALUE(size) OVER (PARTITION BY now_key, domain ORDER BY position, path) AS now_size,
    ROW_NUMBER() OVER (PARTITION BY content, domain ORDER BY position, path) AS tag_rank,
    FIRST_VALUE(io_class) OVER (PARTITION BY content, domain ORDER BY position, path) AS tag_class,
    FIRST_VALUE(size) OVER (PARTITION BY content, domain ORDER BY position, path) AS tag_size
  FROM f
),
saved AS (
  SELECT
    position,
    input,
    page_bytes,
    CASE WHEN now_key IS NOT NULL AND now_rank > 1 AND io_class = now_class AND size = now_size
         THEN page_bytes ELSE 0 END AS saved_now,
    CASE WHEN content IS NOT NULL AND tag_rank > 1 AND io_class = tag_class AND size = tag_size
         THEN page_bytes ELSE 0 END AS saved_if_tagged
  FROM ranked
)
SELECT
  i.position,
  i.input,
  COALESCE(SUM(s.page_bytes), 0) AS cache_bytes_without_sharing,
  COALESCE(SUM(s.page_bytes) - SUM(s.saved_now), 0) AS cache_bytes_now,
  COALESCE(SUM(s.page_bytes) - SUM(s.saved_if_tagged), 0) AS cache_bytes_if_tagged,
  COALESCE(SUM(s.saved_now), 0) AS saved_bytes_now,
  COALESCE(SUM(s.saved_if_tagged), 0) AS saved_bytes_if_tagged
FROM inputs i
LEFT JOIN saved s ON s.input = i.input
GROUP BY i.position, i.input
UNION ALL
SELECT
  -1,
  '(all)',
  COALESCE(SUM(page_bytes), 0),
  COALESCE(SUM(page_bytes) - SUM(saved_now), 0),
  COALESCE(SUM(page_bytes) - SUM(saved_if_tagged), 0),
  COALESCE(SUM(saved_now), 0),
  COALESCE(SUM(saved_if_tagged), 0)
FROM saved
ORDER BY 1;
