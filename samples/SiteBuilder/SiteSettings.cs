using Npgsql;

namespace SiteBuilder;

/// <summary>
/// The sample's settings (<c>SiteBuilder:…</c> keys, from appsettings, the environment or the command line).
/// </summary>
public sealed class SiteSettings
{
    /// <summary>Shard names, in the order the connection strings are given.</summary>
    public static readonly string[] ShardNames = ["main", "shard-2"];

    /// <summary>
    /// Connection strings of the shards (one database each), as a role that may create tables and roles: the first also
    /// holds the catalog (schema <c>tenancy</c>) and the platform's domain map (schema <c>platform</c>). Empty: the app
    /// starts two throwaway servers of its own.
    /// </summary>
    public IReadOnlyList<string> Shards { get; init; } = [];

    /// <summary>The role the app's tenant connections log in as: owns nothing, no <c>BYPASSRLS</c>.</summary>
    public string AppRole { get; init; } = "sitebuilder_app";

    /// <summary>The app role's password; a random one is set at every start when none is given.</summary>
    public string? AppPassword { get; init; }

    /// <summary>Sites are <c>{site}.{ParentDomain}</c> (<c>acme.localhost</c>), besides <c>/s/{site}/</c> and their own domains.</summary>
    public string ParentDomain { get; init; } = "localhost";

    /// <summary>Creates the demo websites when missing (on by default in Development).</summary>
    public bool Seed { get; init; }

    /// <summary>Reads the settings. <c>SiteBuilder:Postgres</c> is the main shard, <c>SiteBuilder:Postgres2</c> the second.</summary>
    public static SiteSettings From(IConfiguration configuration, bool development)
    {
        var section = configuration.GetSection("SiteBuilder");
        var shards = new[] { section["Postgres"], section["Postgres2"] }.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s!).ToList();
        if (string.IsNullOrWhiteSpace(section["Postgres"]) && shards.Count > 0)
        {
            throw new InvalidOperationException("SiteBuilder:Postgres2 (the second shard) is set without SiteBuilder:Postgres (the main shard). Set both, or neither for throwaway servers.");
        }

        foreach (var shard in shards)
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(shard);
            }
            catch (ArgumentException ex)
            {
                throw new InvalidOperationException($"SiteBuilder:Postgres is not an Npgsql connection string ({ex.Message}). Example: \"Host=127.0.0.1;Port=5432;Username=postgres;Password=…;Database=sitebuilder\".", ex);
            }
        }

        return new SiteSettings
        {
            Shards = shards,
            AppRole = section["AppRole"] is { Length: > 0 } role ? role : "sitebuilder_app",
            AppPassword = section["AppPassword"] is { Length: > 0 } password ? password : null,
            ParentDomain = section["ParentDomain"] is { Length: > 0 } parent ? parent : "localhost",
            Seed = bool.TryParse(section["Seed"], out var seed) ? seed : development,
        };
    }
}
