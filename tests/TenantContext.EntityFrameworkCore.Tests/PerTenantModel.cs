using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Tenancy.EntityFrameworkCore.Tests;

public sealed class JournalEntry
{
    public int Id { get; set; }

    public string Text { get; set; } = "";
}

/// <summary>A context with EF migrations (written by hand: the test project has no design-time tools).</summary>
public sealed class JournalContext(DbContextOptions<JournalContext> options) : DbContext(options)
{
    public DbSet<JournalEntry> Entries => Set<JournalEntry>();

    /// <summary>Hand-written migrations have no model snapshot; EF 9+ would otherwise refuse to migrate.</summary>
    public static void Configure(DbContextOptionsBuilder options)
        => options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
}

[DbContext(typeof(JournalContext))]
[Migration("20250101000000_Initial")]
public sealed class InitialJournal : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Entries",
            columns: c => new
            {
                Id = c.Column<int>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                Text = c.Column<string>(type: "TEXT", nullable: false),
            },
            constraints: t => t.PrimaryKey("PK_Entries", x => x.Id));
    }
}

[DbContext(typeof(JournalContext))]
[Migration("20250102000000_TextIndex")]
public sealed class TextIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
        => migrationBuilder.CreateIndex(name: "IX_Entries_Text", table: "Entries", column: "Text");
}

/// <summary>
/// Where each tenant's database lives, for the tests that run on every provider: a SQLite file per tenant
/// (<see cref="TenantFiles"/>) or a PostgreSQL schema per tenant (<see cref="PostgresTenantSchemas"/>).
/// </summary>
public abstract class TenantStore : IAsyncDisposable
{
    public TenantConfiguration Configuration { get; protected set; } = null!;

    public ConfigurationScope Use() => TenantContext.UseConfiguration(Configuration);

    /// <summary>Chooses the EF Core provider, with no connection (AddDbContext gives each rental its tenant's).</summary>
    public abstract DbContextOptionsBuilder UseProvider(DbContextOptionsBuilder options);

    /// <summary>Where a tenant's data lives (a file path, a schema name).</summary>
    public abstract string LocationOf(string tenant);

    /// <summary>Where a connection leads (the same notation as <see cref="LocationOf(string)"/>).</summary>
    public abstract string LocationOf(DbConnection connection);

    /// <summary>The Name|Body of every note in a tenant's database, read with plain SQL (no EF, no router).</summary>
    public abstract string[] Rows(string tenant);

    public abstract ValueTask DisposeAsync();
}

/// <summary>A data root with a SQLite file per tenant and NotesContext registered per tenant.</summary>
public sealed class TenantFiles : TenantStore, IDisposable
{
    private readonly TempFolder _folder = new();

    public TenantFiles(int poolSize = 1, Action<TenantContextBuilder>? more = null, Action<DbContextOptionsBuilder>? configure = null)
    {
        Configuration = TenantConfiguration.Build(b =>
        {
            b.UseSqlite(o => { o.DataRoot = _folder.Path; o.CreateAnyTenantOnFirstUse = true; }).AddDbContext<NotesContext>(o => { UseProvider(o); configure?.Invoke(o); }, poolSize);
            more?.Invoke(b);
        });
    }

    public string Root => _folder.Path;

    public override DbContextOptionsBuilder UseProvider(DbContextOptionsBuilder options) => options.UseSqlite();

    public string PathOf(string tenant) => Configuration.GetSqlite().GetDatabasePath(tenant);

    public override string LocationOf(string tenant) => PathOf(tenant);

    public override string LocationOf(DbConnection connection) => connection.DataSource;

    public override string[] Rows(string tenant)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = PathOf(tenant), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Name || '|' || Body FROM Notes ORDER BY Id";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows.ToArray();
    }

    public void Dispose()
    {
        Configuration.Dispose();
        _folder.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>A PostgreSQL schema per tenant (one database of the shared test cluster) and NotesContext registered per tenant.</summary>
public sealed class PostgresTenantSchemas : TenantStore
{
    private PostgresSchemaPerTenant _schemas = null!;

    private PostgresTenantSchemas()
    {
    }

    public static async Task<PostgresTenantSchemas> CreateAsync(int poolSize = 1, Action<TenantContextBuilder>? more = null, Action<DbContextOptionsBuilder>? configure = null)
    {
        var store = new PostgresTenantSchemas { _schemas = await PostgresSchemaPerTenant.CreateAsync() };
        store.Configuration = TenantConfiguration.Build(b =>
        {
            b.Db(store._schemas.For).AddDbContext<NotesContext>(o => { store.UseProvider(o); configure?.Invoke(o); }, poolSize);
            more?.Invoke(b);
        });
        return store;
    }

    public PostgresSchemaPerTenant Schemas => _schemas;

    public override DbContextOptionsBuilder UseProvider(DbContextOptionsBuilder options) => options.UseNpgsql();

    public override string LocationOf(string tenant) => PostgresSchemaPerTenant.SchemaOf(tenant);

    public override string LocationOf(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_schema()";
        return (string)command.ExecuteScalar()!;
    }

    public override string[] Rows(string tenant)
        => _schemas.Query($"SELECT \"Name\" || '|' || \"Body\" FROM \"{PostgresSchemaPerTenant.SchemaOf(tenant)}\".\"Notes\" ORDER BY \"Id\"").ToArray();

    public override async ValueTask DisposeAsync()
    {
        await Configuration.DisposeAsync();
        await _schemas.DisposeAsync();
    }
}
