using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace Tenancy.Sqlite;

/// <summary>The shared database of a split, opened read-only: its schema, its tenant values, and per-tenant counts and hashes.</summary>
internal sealed class SplitSource : IDisposable
{
    private readonly SqliteConnection _reader;

    public SplitSource(string path, string column, IReadOnlyList<string> tables, int busyTimeoutMilliseconds)
    {
        Path = path;
        Column = column;
        Tables = tables;
        _reader = SqliteConnections.OpenUnpooled(path, SqliteOpenMode.ReadOnly, busyTimeoutMilliseconds);
        Version = SqliteConnections.ReadVersion(_reader, null);
        foreach (var table in tables)
        {
            ReadSchema(table);
        }
    }

    public string Path { get; }

    public string Column { get; }

    public IReadOnlyList<string> Tables { get; }

    public int Version { get; }

    /// <summary>Each table's <c>CREATE TABLE</c>.</summary>
    public Dictionary<string, string> Creates { get; } = new(StringComparer.Ordinal);

    /// <summary>The tables' indexes and triggers, created after the rows are copied.</summary>
    public List<string> IndexesAndTriggers { get; } = new();

    /// <summary>Every tenant value across the tables, the values that are not slugs, and the rows with no tenant.</summary>
    public (SortedSet<string> Values, SortedSet<string> Invalid, long WithoutTenant) TenantValues()
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        var invalid = new SortedSet<string>(StringComparer.Ordinal);
        long withoutTenant = 0;
        foreach (var table in Tables)
        {
            using var command = _reader.CreateCommand();
            command.CommandText = $"SELECT {SqliteConnections.Quote(Column)}, count(*) FROM {SqliteConnections.Quote(table)} GROUP BY 1;";
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                if (rows.IsDBNull(0))
                {
                    withoutTenant += rows.GetInt64(1);
                    continue;
                }

                var value = Convert.ToString(rows.GetValue(0), CultureInfo.InvariantCulture) ?? string.Empty;
                if (rows.GetFieldType(0) == typeof(string) && TenantSlug.IsValid(value))
                {
                    values.Add(value);
                }
                else
                {
                    invalid.Add(value);
                }
            }
        }

        return (values, invalid, withoutTenant);
    }

    public Dictionary<string, long> Counts(string slug)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            using var command = _reader.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM {SqliteConnections.Quote(table)} WHERE {SqliteConnections.Quote(Column)} = $tenant;";
            command.Parameters.AddWithValue("$tenant", slug);
            counts[table] = (long)command.ExecuteScalar()!;
        }

        return counts;
    }

    /// <summary>The ordered hash of the tenant's rows in each table, as the source holds them.</summary>
    public Dictionary<string, string> Hashes(string slug)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in Tables)
        {
            using var command = _reader.CreateCommand();
            command.CommandText = OrderedSelect(_reader, "main", table, Column);
            command.Parameters.AddWithValue("$tenant", slug);
            hashes[table] = Hash(command);
        }

        return hashes;
    }

    /// <summary>Every column of every row, ordered by every column (the same order in the source and in the tenant's file).</summary>
    public static string OrderedSelect(SqliteConnection connection, string schema, string table, string? tenantColumn)
    {
        var columns = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT name FROM pragma_table_info($table, $schema) ORDER BY cid;";
            command.Parameters.AddWithValue("$table", table);
            command.Parameters.AddWithValue("$schema", schema);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                columns.Add(SqliteConnections.Quote(reader.GetString(0)));
            }
        }

        var list = string.Join(", ", columns);
        var where = tenantColumn is null ? string.Empty : $" WHERE {SqliteConnections.Quote(tenantColumn)} = $tenant";
        return $"SELECT {list} FROM {SqliteConnections.Quote(schema)}.{SqliteConnections.Quote(table)}{where} ORDER BY {list};";
    }

    /// <summary>SHA-256 over every value with its storage class, row by row.</summary>
    public static string Hash(SqliteCommand command)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var reader = command.ExecuteReader();
        Span<byte> number = stackalloc byte[8];
        while (reader.Read())
        {
            for (int i = 0; i < reader.FieldCount; i++)
            {
                switch (reader.GetValue(i))
                {
                    case DBNull:
                        hash.AppendData([0]);
                        break;
                    case long l:
                        hash.AppendData([1]);
                        BitConverter.TryWriteBytes(number, l);
                        hash.AppendData(number);
                        break;
                    case double d:
                        hash.AppendData([2]);
                        BitConverter.TryWriteBytes(number, d);
                        hash.AppendData(number);
                        break;
                    case string s:
                        hash.AppendData([3]);
                        BitConverter.TryWriteBytes(number, (long)s.Length);
                        hash.AppendData(number);
                        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(s));
                        break;
                    case byte[] b:
                        hash.AppendData([4]);
                        BitConverter.TryWriteBytes(number, (long)b.Length);
                        hash.AppendData(number);
                        hash.AppendData(b);
                        break;
                }
            }

            hash.AppendData([255]);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private void ReadSchema(string table)
    {
        string? create;
        using (var command = _reader.CreateCommand())
        {
            command.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $table;";
            command.Parameters.AddWithValue("$table", table);
            create = command.ExecuteScalar() as string;
        }

        if (create is null)
        {
            throw new ArgumentException($"The shared database {Path} has no table \"{table}\". List the tables to split exactly as they are named in the source.", "tables");
        }

        using (var command = _reader.CreateCommand())
        {
            command.CommandText = "SELECT count(*) FROM pragma_table_info($table) WHERE name = $column;";
            command.Parameters.AddWithValue("$table", table);
            command.Parameters.AddWithValue("$column", Column);
            if ((long)command.ExecuteScalar()! == 0)
            {
                throw new ArgumentException(
                    $"Table \"{table}\" of {Path} has no column \"{Column}\". Every listed table needs the tenant column; leave shared tables out of the list.", "tenantColumn");
            }
        }

        Creates[table] = create;
        using (var command = _reader.CreateCommand())
        {
            command.CommandText = "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = $table AND sql IS NOT NULL ORDER BY type, name;";
            command.Parameters.AddWithValue("$table", table);
            using var rows = command.ExecuteReader();
            while (rows.Read())
            {
                IndexesAndTriggers.Add(rows.GetString(0));
            }
        }
    }

    public void Dispose() => _reader.Dispose();
}
