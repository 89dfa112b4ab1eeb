using System.Net;
using Microsoft.Extensions.Configuration;
using Tenancy.AspNetCore;

namespace WikiFarm;

/// <summary>
/// The <c>WikiFarm</c> section of the configuration (appsettings.json, environment, command line), checked at start-up.
/// The development conveniences (<see cref="DevelopmentLogin"/>, <see cref="SeedDemoWikis"/>) are on in
/// <c>appsettings.Development.json</c> only, and refused in any other environment.
/// </summary>
public sealed class FarmSettings
{
    /// <summary>Where the platform database and the wikis live (<c>data</c>, relative to the current directory).</summary>
    public string DataRoot { get; init; } = "data";

    /// <summary>Wikis are served at <c>{wiki}.{ParentDomain}</c> (and at <c>/w/{wiki}/</c> on any host).</summary>
    public string ParentDomain { get; init; } = "localhost";

    /// <summary>
    /// Addresses and networks (comma-separated IP addresses or CIDR networks) whose <c>X-Forwarded-User</c>,
    /// <c>X-Forwarded-Email</c>, <c>X-Forwarded-Host</c>, <c>X-Forwarded-Proto</c> and <c>X-Wiki</c> headers are believed.
    /// </summary>
    public string TrustedProxies { get; init; } = "";

    /// <summary>
    /// Users (comma-separated names, as the proxy names them) who are farm admins: they create, archive and delete wikis
    /// and administer every wiki. How a farm behind a proxy gets its first admin.
    /// </summary>
    public string FarmAdmins { get; init; } = "";

    /// <summary>Whether <paramref name="name"/> (normalized) is listed in <see cref="FarmAdmins"/>.</summary>
    public bool IsFarmAdmin(string name) =>
        FarmAdmins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(admin => string.Equals(FarmUser.Normalize(admin), name, StringComparison.Ordinal));

    /// <summary>The development login form (sign in as any user, no password). Development environment only.</summary>
    public bool DevelopmentLogin { get; init; }

    /// <summary>Creates two demo wikis and two users (alice is a farm admin) when the farm has no wiki yet. Development environment only.</summary>
    public bool SeedDemoWikis { get; init; }

    /// <summary>Sends each request's time split (<see cref="RequestTimings"/>) in a <c>Server-Timing</c> header. Off by default.</summary>
    public bool ServerTiming { get; init; }

    /// <summary>Reads and checks the settings.</summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <param name="isDevelopment">Whether the app runs in the Development environment.</param>
    /// <exception cref="InvalidOperationException">A setting is invalid, or a development convenience is on outside Development.</exception>
    public static FarmSettings From(IConfiguration configuration, bool isDevelopment)
    {
        var settings = configuration.GetSection("WikiFarm").Get<FarmSettings>() ?? new FarmSettings();
        if (!isDevelopment && (settings.DevelopmentLogin || settings.SeedDemoWikis))
        {
            throw new InvalidOperationException(
                $"WikiFarm:{(settings.DevelopmentLogin ? "DevelopmentLogin" : "SeedDemoWikis")} is on, but the app does not run in the Development " +
                "environment. The password-less login and the demo users (alice is a farm admin) would let anyone who reaches the app in: " +
                "turn them off, and sign users in through a trusted proxy (WikiFarm:TrustedProxies). To try the demo, run with " +
                "ASPNETCORE_ENVIRONMENT=Development (dotnet run --project samples/WikiFarm does, through its launch profile).");
        }

        settings.AddTrustedProxies(new TenantResolutionOptions()); // a bad address fails the start, not the first request
        return settings;
    }

    /// <summary>Adds <see cref="TrustedProxies"/> to <paramref name="trust"/>.</summary>
    /// <exception cref="InvalidOperationException">An entry is neither an IP address nor a CIDR network.</exception>
    public TenantResolutionOptions AddTrustedProxies(TenantResolutionOptions trust)
    {
        foreach (var item in TrustedProxies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (item.Contains('/', StringComparison.Ordinal) && IPNetwork.TryParse(item, out var network))
            {
                trust.KnownNetworks.Add(network);
            }
            else if (!item.Contains('/', StringComparison.Ordinal) && IPAddress.TryParse(item, out var address))
            {
                trust.KnownProxies.Add(address);
            }
            else
            {
                throw new InvalidOperationException(
                    $"WikiFarm:TrustedProxies: \"{item}\" is not an IP address or a CIDR network. List the proxies' addresses, comma-separated: " +
                    "\"127.0.0.1\", \"10.0.0.5, 10.0.1.0/24\", \"::1\" (host names such as localhost are not resolved).");
            }
        }

        return trust;
    }
}
