using System.Collections.Frozen;
using Npgsql;
using Tenancy;

namespace SiteBuilder;

/// <summary>
/// Websites' own domains (<c>acme-bakery.test</c>): a host is reduced to its registrable domain with
/// <see cref="TenantDomain"/> (the Public Suffix List), so <c>www.acme-bakery.test</c> and <c>shop.acme-bakery.test</c>
/// share their website, and looked up in a snapshot of <c>platform.domains</c> held in memory: resolving a request
/// reads no database. The snapshot is reloaded every few seconds (<see cref="Refresher"/>) and at once after a change
/// made by this process. IP literals, <c>localhost</c>, public suffixes and look-alike characters have no registrable
/// domain and resolve to nothing.
/// </summary>
/// <param name="platform">Connections to the platform's database (owned: disposed with this object).</param>
public sealed class SiteDomains(NpgsqlDataSource platform) : IAsyncDisposable
{
    private volatile FrozenDictionary<string, string> _map = FrozenDictionary<string, string>.Empty;

    /// <summary>The website a request's host names through a custom domain, or null.</summary>
    public string? Resolve(HttpContext http)
    {
        var host = http.Request.Host.Host;
        return host.Length > 0 && TenantDomain.Default.TryGetBaseDomain(host, out var domain) && _map.TryGetValue(domain, out var site) ? site : null;
    }

    /// <summary>The domains of <paramref name="site"/>.</summary>
    public IReadOnlyList<string> Of(string site) => _map.Where(p => p.Value == site).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>Reloads the snapshot.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var command = platform.CreateCommand("SELECT domain, website FROM platform.domains");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            map[reader.GetString(0)] = reader.GetString(1);
        }

        _map = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// Gives <paramref name="site"/> the registrable domain of <paramref name="host"/>.
    /// </summary>
    /// <returns>The domain recorded, or an error for the visitor.</returns>
    public async Task<(string? Domain, string? Error)> AddAsync(string site, string host, CancellationToken cancellationToken)
    {
        TenantSlug.Validate(site, nameof(site));
        if (!TenantDomain.Default.TryGetBaseDomain(host.Trim(), out var domain))
        {
            return (null, $"'{host}' has no registrable domain (an IP address, localhost, a public suffix or a look-alike character). Give a domain such as acme-bakery.example.");
        }

        await using var command = platform.CreateCommand("INSERT INTO platform.domains (domain, website) VALUES ($1, $2) ON CONFLICT DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = domain });
        command.Parameters.Add(new NpgsqlParameter { Value = site });
        var added = await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        await ReloadAsync(cancellationToken);
        return added ? (domain, null) : (null, $"{domain} already belongs to a website.");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => platform.DisposeAsync();

    /// <summary>Reloads the snapshot every few seconds, so domains added by other processes are served too.</summary>
    public sealed class Refresher(SiteDomains domains, ILogger<Refresher> log) : BackgroundService
    {
        /// <inheritdoc />
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await domains.ReloadAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    log.LogWarning(ex, "Could not reload the custom domains; serving the last snapshot.");
                }
            }
        }
    }
}
