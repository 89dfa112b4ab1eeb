using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Tenancy.Npgsql;

/// <summary>
/// One table cut into ranges of its key, for comparing a move's source and target range by range. The key is the leading
/// column of the primary key (else of the replica identity index); the boundaries are the key of every <c>n</c>-th source
/// row in key order, so range <c>i</c> holds the rows whose key lies from boundary <c>i - 1</c> (inclusive) to boundary
/// <c>i</c> (exclusive), range 0 everything below the first boundary and the last range everything from the last one
/// (PostgreSQL's <c>width_bucket</c> over the boundaries' array). A range's hash is md5 over the sorted md5s of its rows'
/// text (the stored columns), so it does not depend on physical order. A table without such a key, or whose key is text
/// and the two databases sort text differently, is one range.
/// </summary>
internal sealed class PostgresKeyRanges
{
    /// <summary>At least this many rows per range (fewer ranges for small tables).</summary>
    internal const int MinRangeRows = 2000;

    /// <summary>At most this many ranges per table (bigger ranges for big tables).</summary>
    internal const int MaxRanges = 1024;

    private readonly string? _key;
    private readonly string _type;
    private readonly IReadOnlyList<string> _bounds;

    private PostgresKeyRanges(string table, IReadOnlyList<string> columns, string? key, string type, IReadOnlyList<string> bounds)
    {
        Table = table;
        Columns = columns;
        _key = key;
        _type = type;
        _bounds = bounds;
    }

    /// <summary>The table's name.</summary>
    internal string Table { get; }

    /// <summary>The columns hashed (the stored ones, as a COPY carries them).</summary>
    internal IReadOnlyList<string> Columns { get; }

    /// <summary>How many ranges (boundaries + 1).</summary>
    internal int Count => _bounds.Count + 1;

    /// <summary>
    /// Plans a table's ranges on one side (the source): its key, and the key of every <c>n</c>-th row in key order as
    /// boundaries, <c>n</c> chosen from the planner's row estimate. <paramref name="sortsAlike"/> says whether both databases
    /// sort text alike (a text key is used only then).
    /// </summary>
    internal static async Task<PostgresKeyRanges> PlanAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, string table,
        IReadOnlyList<string> columns, string filter, bool sortsAlike, CancellationToken cancellationToken)
    {
        string? key = null;
        var type = "";
        var collatable = false;
        double estimate = 0;
        await using (var command = new NpgsqlCommand(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), t.typcollation <> 0, c.reltuples::float8 " +
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "LEFT JOIN LATERAL (SELECT i.indkey[0] AS attnum FROM pg_index i WHERE i.indrelid = c.oid AND (i.indisprimary OR i.indisreplident) " +
            "ORDER BY i.indisprimary DESC LIMIT 1) i ON true " +
            "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.attnum LEFT JOIN pg_type t ON t.oid = a.atttypid " +
            "WHERE n.nspname = $1 AND c.relname = $2", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = schema });
            command.Parameters.Add(new NpgsqlParameter { Value = table });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                estimate = reader.GetDouble(3);
                if (!reader.IsDBNull(0))
                {
                    (key, type, collatable) = (reader.GetString(0), reader.GetString(1), reader.GetBoolean(2));
                }
            }
        }

        if (key is null || (collatable && !sortsAlike))
        {
            return new PostgresKeyRanges(table, columns, null, "", []);
        }

        var every = (long)Math.Max(MinRangeRows, Math.Ceiling(estimate / MaxRanges));
        var k = PostgresNames.Quote(key);
        var bounds = new List<string>();
        await using (var command = new NpgsqlCommand(
            $"SELECT DISTINCT k, k::text AS t FROM (SELECT {k} AS k, row_number() OVER (ORDER BY {k}) AS n FROM {PostgresNames.Quote(schema)}.{PostgresNames.Quote(table)}{filter}) s " +
            $"WHERE n % {every.ToString(CultureInfo.InvariantCulture)} = 1 AND n > 1 ORDER BY k", connection, transaction))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                bounds.Add(reader.GetString(1));
            }
        }

        return new PostgresKeyRanges(table, columns, key, type, bounds);
    }

    /// <summary>The SQL of a row's range number, for a row named <paramref name="row"/> (a table alias, or OLD/NEW in a trigger).</summary>
    internal string BucketSql(string row) => _bounds.Count == 0
        ? "0"
        : $"width_bucket({row}.{PostgresNames.Quote(_key!)}, ARRAY[{string.Join(", ", _bounds.Select(PostgresTenantCatalog.Literal))}]::{_type}[])";

    /// <summary>
    /// The SQL condition that selects the rows of ranges <paramref name="from"/> to <paramref name="to"/> (inclusive), for
    /// rows named <paramref name="row"/> (index-friendly: the key between two bounds).
    /// </summary>
    internal string RangeSql(string row, int from, int to)
    {
        if (_bounds.Count == 0)
        {
            return "true";
        }

        var key = $"{row}.{PostgresNames.Quote(_key!)}";
        var parts = new List<string>(2);
        if (from > 0)
        {
            parts.Add($"{key} >= {Bound(from - 1)}");
        }

        if (to < _bounds.Count)
        {
            parts.Add($"{key} < {Bound(to)}");
        }

        return parts.Count == 0 ? "true" : "(" + string.Join(" AND ", parts) + ")";
    }

    /// <summary>Range <paramref name="range"/> as a person reads it: the key column and its bounds, e.g. <c>id [2001, 4001)</c>.</summary>
    internal string Describe(int range)
    {
        if (_bounds.Count == 0)
        {
            return _key is null ? "all rows (one range: no key to cut the table by)" : $"{_key} (-∞, +∞) (all rows: one range)";
        }

        var low = range > 0 ? "[" + _bounds[range - 1] : "(-∞";
        var high = range < _bounds.Count ? _bounds[range] + ")" : "+∞)";
        return $"{_key} {low}, {high}";
    }

    /// <summary>
    /// Each range's row count and hash on one side, for all ranges or only those named; ranges without rows are absent.
    /// <paramref name="filter"/> is the side's row filter (a rows side's tenant condition: " WHERE …"), or empty.
    /// </summary>
    internal async Task<Dictionary<int, (long Rows, string Hash)>> HashAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, string filter,
        IReadOnlyCollection<int>? ranges, CancellationToken cancellationToken)
    {
        var result = new Dictionary<int, (long, string)>();
        if (ranges is { Count: 0 })
        {
            return result;
        }

        var where = new List<string>(2);
        if (filter.Length > 0)
        {
            where.Add(filter.Trim()["WHERE ".Length..]);
        }

        if (ranges is not null && ranges.Count < Count && _bounds.Count > 0)
        {
            // Neighbouring ranges make one condition.
            var runs = new List<(int From, int To)>();
            foreach (var r in ranges.Order())
            {
                if (runs.Count > 0 && runs[^1].To == r - 1)
                {
                    runs[^1] = (runs[^1].From, r);
                }
                else
                {
                    runs.Add((r, r));
                }
            }

            where.Add("(" + string.Join(" OR ", runs.Select(run => RangeSql("x", run.From, run.To))) + ")");
        }

        var row = "ROW(" + string.Join(", ", Columns.Select(c => "x." + PostgresNames.Quote(c))) + ")::text";
        await using var command = new NpgsqlCommand(
            $"SELECT b, count(*), md5(string_agg(h, '' ORDER BY h COLLATE \"C\")) FROM (SELECT {BucketSql("x")} AS b, md5({row}) AS h " +
            $"FROM {PostgresNames.Quote(schema)}.{PostgresNames.Quote(Table)} AS x{(where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where))}) s GROUP BY b",
            connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result[reader.GetInt32(0)] = (reader.GetInt64(1), reader.GetString(2));
        }

        return result;
    }

    /// <summary>A whole table's hash from its ranges' (md5 over each range's number, rows and hash, in range order).</summary>
    internal string TableHash(IReadOnlyDictionary<int, (long Rows, string Hash)> ranges)
    {
        var text = new StringBuilder();
        foreach (var (range, (rows, hash)) in ranges.OrderBy(r => r.Key))
        {
            text.Append(CultureInfo.InvariantCulture, $"{range}:{rows}:{hash};");
        }

        return Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The ranges whose rows differ between two sides' hashes (a range missing on one side has no rows there).</summary>
    internal static IEnumerable<int> Differing(IReadOnlyDictionary<int, (long Rows, string Hash)> a, IReadOnlyDictionary<int, (long Rows, string Hash)> b) =>
        a.Keys.Union(b.Keys).Where(r => a.GetValueOrDefault(r) != b.GetValueOrDefault(r)).Order();

    /// <summary>"range R: source N rows, hash H; target M rows, hash K" for a differing range.</summary>
    internal static string Detail(int range, IReadOnlyDictionary<int, (long Rows, string Hash)> source, IReadOnlyDictionary<int, (long Rows, string Hash)> target)
    {
        var (rows, hash) = source.GetValueOrDefault(range, (0, ""));
        var (targetRows, targetHash) = target.GetValueOrDefault(range, (0, ""));
        return FormattableString.Invariant($"source {rows} rows, hash {(hash.Length == 0 ? "none" : hash)}; target {targetRows} rows, hash {(targetHash.Length == 0 ? "none" : targetHash)}");
    }

    /// <summary>
    /// Finds where a table that differs as a whole differs: plans its ranges on the source, hashes every range on both sides
    /// (in parallel) and builds the exception naming the table and the first differing range.
    /// </summary>
    internal static async Task<TenantMoveVerificationException> LocateAsync(string tenant, string table, IReadOnlyList<string> columns,
        (NpgsqlConnection Connection, NpgsqlTransaction? Transaction, string Schema, string Filter) source,
        (NpgsqlConnection Connection, NpgsqlTransaction? Transaction, string Schema, string Filter) target,
        bool sortsAlike, string? note, CancellationToken cancellationToken)
    {
        var ranges = await PlanAsync(source.Connection, source.Transaction, source.Schema, table, columns, source.Filter, sortsAlike, cancellationToken).ConfigureAwait(false);
        var sourceTask = ranges.HashAsync(source.Connection, source.Transaction, source.Schema, source.Filter, null, cancellationToken);
        var targetTask = ranges.HashAsync(target.Connection, target.Transaction, target.Schema, target.Filter, null, cancellationToken);
        await Task.WhenAll(sourceTask, targetTask).ConfigureAwait(false);
        return ranges.Mismatch(tenant, await sourceTask.ConfigureAwait(false), await targetTask.ConfigureAwait(false), note);
    }

    /// <summary>The exception for differing hashes: the table, its first differing range and how many differ.</summary>
    internal TenantMoveVerificationException Mismatch(string tenant, IReadOnlyDictionary<int, (long Rows, string Hash)> source, IReadOnlyDictionary<int, (long Rows, string Hash)> target, string? note)
    {
        var differing = Differing(source, target).ToList();
        if (differing.Count == 0)
        {
            // The whole-table hashes differed but no range does: the rows changed between the two reads (cannot happen under the fence).
            return new TenantMoveVerificationException(tenant, Table, "all rows", "the table's hashes differed, then no range did: it changed while being compared" + note);
        }

        var first = differing[0];
        var more = differing.Count == 1 ? "" : FormattableString.Invariant($" (and {differing.Count - 1} more of its {Count} key ranges)");
        return new TenantMoveVerificationException(tenant, Table, Describe(first), Detail(first, source, target) + more + note);
    }

    /// <summary>Whether both connections' databases sort text alike (same collation and character type).</summary>
    internal static async Task<bool> SortAlikeAsync(NpgsqlConnection a, NpgsqlTransaction? aTransaction, NpgsqlConnection b, NpgsqlTransaction? bTransaction, CancellationToken cancellationToken)
    {
        const string sql = "SELECT datcollate || '/' || datctype FROM pg_database WHERE datname = current_database()";
        await using var x = new NpgsqlCommand(sql, a, aTransaction);
        var first = (string?)await x.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        await using var y = new NpgsqlCommand(sql, b, bTransaction);
        return first == (string?)await y.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private string Bound(int index) => PostgresTenantCatalog.Literal(_bounds[index]) + "::" + _type;
}
