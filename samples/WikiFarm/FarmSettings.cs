using System.Net;
using Microsoft.Extensions.Configuration;
using Tenancy.AspNetCore;

namespace WikiFarm;

/// <summary>The <c>WikiFarm</c> section of the configuration (appsettings.json, environment, command line).</summary>
public sealed class FarmSettings
{
    /// <summary>Where the platform database and the wikis live (<c>data</c>, relative to the current directory).</summary>
    public string DataRoot { get; init; } = "data";

    /// <summary>Wikis are served at <c>{wiki}.{ParentDomain}</c> (and at <c>/w/{wiki}/</c> on any host).</summary>
    public string ParentDomain { get; init; } = "localhost";

    /// <summary>Addresses and networks (comma-separated) whose <c>X-Forwarded-User</c>/<c>X-Forwarded-Email</c>/<c>X-Wiki</c> headers are believed.</summary>
    public string TrustedProxies { get; init; } = "";

    /// <summary>The development login form (sign in as any user, no password). Turn it off behind a real proxy.</summary>
    public bool DevelopmentLogin { get; init; } = true;

    /// <summary>Creates two demo wikis and two users when the farm has no wiki yet.</summary>
    public bool SeedDemoWikis { get; init; } = true;

    public static FarmSettings From(IConfiguration configuration) => configuration.GetSection("WikiFarm").Get<FarmSettings>() ?? new FarmSettings();

    /// <summary>Adds <see cref="TrustedProxies"/> to <paramref name="trust"/>.</summary>
    public TenantResolutionOptions AddTrustedProxies(TenantResolutionOptions trust)
    {
        foreach (var item in TrustedProxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (item.Contains('/', StringComparison.Ordinal))
            {
                trust.KnownNetworks.Add(IPNetwork.Parse(item));
            }
            else
            {
                trust.KnownProxies.Add(IPAddress.Parse(item));
            }
        }

        return trust;
    }
}
