using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization;
using Tenancy.Npgsql;

namespace Tenancy.Cli.Commands;

/// <summary>Arguments and options several commands share, and small formatting helpers.</summary>
internal static class Arguments
{
    public static Argument<string> Tenant(string description = "The tenant's slug.") => new("tenant") { Description = description };

    public static Argument<string?> OptionalTenant(string description) => new("tenant") { Description = description, Arity = ArgumentArity.ZeroOrOne };

    public static Option<bool> All(string description) => new("--all") { Description = description };

    public static Option<bool> Yes(string description) => new("--yes", "-y") { Description = description };

    /// <summary>Exactly one of a tenant argument or <c>--all</c>; the tenants named, in slug order.</summary>
    public static async Task<IReadOnlyList<string>> TenantsAsync(CommandContext context, Argument<string?> tenant, Option<bool> all)
    {
        var one = context.Get(tenant);
        bool everyone = context.Get(all);
        if (one is null == !everyone)
        {
            throw CliException.Usage(one is null
                ? $"Name a tenant or pass --all: `tenantctl {context.Verb} acme` or `tenantctl {context.Verb} --all`."
                : $"Name a tenant or pass --all, not both.");
        }

        if (one is not null)
        {
            return [TenantSlug.Validate(one)];
        }

        var records = await (await context.StoreAsync().ConfigureAwait(false)).Catalog.ListAsync(includeArchived: true, context.CancellationToken).ConfigureAwait(false);
        return records.Select(r => r.Slug).ToList();
    }

    public static string Time(DateTimeOffset? value) => value?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    public static string Size(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024 / 1024:0.00} GiB"),
    };

    public static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string State(TenantState state) => state == TenantState.Archived ? "archived" : "active";

    public static string Isolation(PostgresIsolation isolation) => isolation.ToString().ToLowerInvariant();

    /// <summary><c>--isolation schema|database|rows</c> (PostgreSQL).</summary>
    public static Option<PostgresIsolation?> IsolationOption(string description) => new("--isolation")
    {
        Description = description,
        HelpName = "schema|database|rows",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (Enum.TryParse<PostgresIsolation>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _))
            {
                return value;
            }

            result.AddError($"--isolation must be schema, database or rows (not '{text}').");
            return null;
        },
    };
}

/// <summary>A tenant as the JSON documents show it; <see cref="Placement"/> only for PostgreSQL (left out of the document otherwise).</summary>
internal sealed record TenantJson(
    string Slug,
    TenantState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ArchivedAt,
    string? Template,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PlacementJson? Placement = null)
{
    public static TenantJson From(TenantRecord record) => new(record.Slug, record.State, record.CreatedAt, record.ArchivedAt, record.Template,
        record is PostgresTenantRecord p ? PlacementJson.From(p) : null);
}

/// <summary>Where a PostgreSQL tenant lives: shard, isolation, schema, database, the catalog's copy of its version, and the placement's epoch.</summary>
internal sealed record PlacementJson(string Shard, string Isolation, string Schema, string Database, int Version, long Epoch, bool Moving)
{
    public static PlacementJson From(PostgresTenantRecord r) =>
        new(r.Shard, Arguments.Isolation(r.Isolation), r.SchemaName, r.DatabaseName, r.Version, r.Epoch, r.IsMoving);
}
