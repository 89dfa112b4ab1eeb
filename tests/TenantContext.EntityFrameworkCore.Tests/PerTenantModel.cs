using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

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
                Id = c.Column<int>(type: "INTEGER", nullable: false).Annotation("Sqlite:Autoincrement", true),
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

/// <summary>A data root with a SQLite file per tenant and NotesContext registered per tenant.</summary>
public sealed class TenantFiles : IDisposable
{
    private readonly TempFolder _folder = new();

    public TenantFiles(int poolSize = 1, Action<TenantContextBuilder>? more = null, Action<DbContextOptionsBuilder>? configure = null)
    {
        Configuration = TenantConfiguration.Build(b =>
        {
            b.UseSqlite(o => { o.DataRoot = _folder.Path; o.CreateAnyTenantOnFirstUse = true; }).AddDbContext<NotesContext>(configure, poolSize);
            more?.Invoke(b);
        });
    }

    public TenantConfiguration Configuration { get; }

    public string PathOf(string tenant) => Configuration.GetSqlite().GetDatabasePath(tenant);

    public ConfigurationScope Use() => TenantContext.UseConfiguration(Configuration);

    /// <summary>The Name|Body of every note in a tenant's file, read with plain SQL (no EF, no router).</summary>
    public string[] Rows(string tenant)
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
}
