using System.CommandLine;
using System.Globalization;

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

        var records = await context.Store().Catalog.ListAsync(includeArchived: true, context.CancellationToken).ConfigureAwait(false);
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
}

/// <summary>A tenant as the JSON documents show it.</summary>
internal sealed record TenantJson(string Slug, TenantState State, DateTimeOffset CreatedAt, DateTimeOffset? ArchivedAt, string? Template)
{
    public static TenantJson From(TenantRecord record) => new(record.Slug, record.State, record.CreatedAt, record.ArchivedAt, record.Template);
}
