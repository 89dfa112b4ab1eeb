using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Tenancy.EntityFrameworkCore.Tests;

public sealed class Note : ITenantOwned
{
    public int Id { get; set; }

    public string TenantId { get; set; } = "";

    public string Name { get; set; } = "";

    public string Body { get; set; } = "";

    public bool IsDeleted { get; set; }
}

/// <summary>Not tenant-owned: never filtered, never guarded.</summary>
public sealed class Setting
{
    public int Id { get; set; }

    public string Key { get; set; } = "";
}

public sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();

    public DbSet<Setting> Settings => Set<Setting>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Note>().HasTenantUniqueIndex(e => e.Name);
        modelBuilder.Entity<Note>().HasQueryFilter("SoftDelete", e => !e.IsDeleted);
    }
}

/// <summary>A fresh folder per test, removed afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tc-efcore-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>One SQLite file with shared tables (row-level isolation), and a TenantConfiguration for the test's flow.</summary>
public sealed class SharedDatabase : IDisposable
{
    private readonly TempFolder _folder = new();

    public SharedDatabase(bool pooling = false)
    {
        ConnectionString = new SqliteConnectionStringBuilder { DataSource = _folder.Combine("shared.db"), Pooling = pooling }.ToString();
        Configuration = TenantConfiguration.Build(_ => { });
        using var context = NewContext(isolated: false);
        context.Database.EnsureCreated();
    }

    public string ConnectionString { get; }

    public TenantConfiguration Configuration { get; }

    public ConfigurationScope Use() => TenantContext.UseConfiguration(Configuration);

    public NotesContext NewContext(bool isolated = true)
    {
        var options = new DbContextOptionsBuilder<NotesContext>().UseSqlite(ConnectionString);
        if (isolated)
        {
            options.UseTenantIsolation();
        }

        return new NotesContext(options.Options);
    }

    /// <summary>Inserts rows directly with SQL (no EF, no guard).</summary>
    public int Insert(string tenant, string name, string body = "", bool deleted = false)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO Notes (TenantId, Name, Body, IsDeleted) VALUES ($t, $n, $b, $d); SELECT last_insert_rowid();";
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$n", name);
        command.Parameters.AddWithValue("$b", body);
        command.Parameters.AddWithValue("$d", deleted);
        return Convert.ToInt32(command.ExecuteScalar());
    }

    /// <summary>Every row of the Notes table as text, read with plain SQL: the database's state, for before/after comparisons.</summary>
    public string Dump()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Id, TenantId, Name, Body, IsDeleted FROM Notes ORDER BY Id";
        using var reader = command.ExecuteReader();
        var sb = new StringBuilder();
        while (reader.Read())
        {
            sb.Append(reader.GetInt32(0)).Append('|').Append(reader.GetString(1)).Append('|').Append(reader.GetString(2)).Append('|')
              .Append(reader.GetString(3)).Append('|').Append(reader.GetBoolean(4)).Append('\n');
        }

        return sb.ToString();
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        Configuration.Dispose();
        _folder.Dispose();
    }
}
