using Tenancy;
using Tenancy.Npgsql;
using static SiteBuilder.Html;

namespace SiteBuilder;

/// <summary>
/// The platform's admin page: websites with their shard, a form to create one, custom domains, and "move to shard". It
/// answers only where no website is named (<c>localhost:5090/admin</c>, never <c>acme.localhost:5090/admin</c>) and only
/// to this machine.
/// </summary>
public static class Admin
{
    public static async Task<IResult> Index(HttpContext http, SiteDomains domains, SiteSettings settings, CancellationToken cancellationToken, string? error = null, int status = StatusCodes.Status200OK)
    {
        if (Refused(http) is { } refused)
        {
            return refused;
        }

        var postgres = TenantContext.Configuration.GetPostgres();
        var records = (await postgres.Catalog.ListAsync(includeArchived: true, cancellationToken)).OrderBy(r => r.Key).ToList();
        var port = http.Request.Host.Port is { } p ? ":" + p : "";
        var shards = postgres.Options.Shards.Keys.ToList();
        var rows = string.Concat(records.Select(r => $"""
            <tr><td>{E(r.Slug)}</td><td>{r.Key}</td><td>{E(r.Shard)}</td><td>{r.Isolation}</td><td>{(r.IsMoving ? "moving" : r.State)}</td>
            <td><a href="http://{E(r.Slug)}.{E(settings.ParentDomain)}{port}/">{E(r.Slug)}.{E(settings.ParentDomain)}</a> ·
                <a href="/s/{E(r.Slug)}/">/s/{E(r.Slug)}/</a> · <a href="/s/{E(r.Slug)}/edit">edit</a>
                {string.Concat(domains.Of(r.Slug).Select(d => $" · {E(d)}"))}</td>
            <td>{MoveForm(r, shards)}</td></tr>
            """));
        var options = string.Concat(shards.Select(s => $"""<option value="{E(s)}">{E(s)}</option>"""));
        return Page("SiteBuilder", "Websites", $"""
            {(error is null ? "" : $"<p class=\"error\">{E(error)}</p>")}
            <table><tr><th>website</th><th>id</th><th>shard</th><th>isolation</th><th>state</th><th>open</th><th>move</th></tr>{rows}</table>
            <h2>New website</h2>
            <form method="post" action="/admin/websites">
              <label>Name <input type="text" name="slug" maxlength="63" placeholder="acme"> <span class="hint">lower-case letters, digits and dashes</span></label>
              <label>Title <input type="text" name="title" maxlength="200" placeholder="Acme Bakery"></label>
              <label>Shard <select name="shard">{options}</select></label>
              <button>Create</button>
            </form>
            <h2>Custom domain</h2>
            <form method="post" action="/admin/domains">
              <label>Website <input type="text" name="slug" maxlength="63"></label>
              <label>Domain <input type="text" name="domain" maxlength="253" placeholder="acme-bakery.example"> <span class="hint">every subdomain of it serves the website</span></label>
              <button>Add</button>
            </form>
            """, "/admin", status);
    }

    public static async Task<IResult> Create(HttpContext http, SiteDomains domains, SiteSettings settings, CancellationToken cancellationToken)
    {
        if (Refused(http) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(cancellationToken);
        var slug = form["slug"].ToString().Trim();
        var title = form["title"].ToString().Trim();
        var shard = form["shard"].ToString();
        if (!TenantSlug.IsValid(slug) || title.Length is 0 or > 200)
        {
            return await Index(http, domains, settings, cancellationToken, $"'{slug}' cannot be a website: give a name of lower-case letters, digits and dashes, and a title.", StatusCodes.Status400BadRequest);
        }

        if (shard.Length > 0 && !TenantContext.Configuration.GetPostgres().Options.Shards.ContainsKey(shard))
        {
            return await Index(http, domains, settings, cancellationToken, $"There is no shard '{shard}'.", StatusCodes.Status400BadRequest);
        }

        try
        {
            await Websites.CreateAsync(slug, title, shard.Length > 0 ? shard : null, cancellationToken);
        }
        catch (TenantAlreadyExistsException)
        {
            return await Index(http, domains, settings, cancellationToken, $"A website called '{slug}' exists (or existed: names are never reused). Pick another name.", StatusCodes.Status409Conflict);
        }

        return Results.Redirect("/admin");
    }

    public static async Task<IResult> AddDomain(HttpContext http, SiteDomains domains, SiteSettings settings, CancellationToken cancellationToken)
    {
        if (Refused(http) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(cancellationToken);
        var slug = form["slug"].ToString().Trim();
        if (!TenantSlug.IsValid(slug) || await TenantContext.Configuration.GetPostgres().Catalog.GetAsync(slug, cancellationToken) is null)
        {
            return await Index(http, domains, settings, cancellationToken, $"There is no website '{slug}'.", StatusCodes.Status400BadRequest);
        }

        var (_, error) = await domains.AddAsync(slug, form["domain"].ToString(), cancellationToken);
        return error is null ? Results.Redirect("/admin") : await Index(http, domains, settings, cancellationToken, error, StatusCodes.Status400BadRequest);
    }

    /// <summary>
    /// Moves a website to another shard, as shared rows there (<c>PostgresTenantCatalog.MoveAsync</c>): its rows in every
    /// table with <c>website_id</c> (and its own <c>websites</c> row) copied under a brief write fence, verified, switched,
    /// then deleted from the source. The website keeps serving: its requests during the fence wait, and go to the new shard
    /// after it. Answers with the move's report; a move that cannot be made changes nothing and says why.
    /// </summary>
    public static async Task<IResult> Move(HttpContext http, string slug, SiteDomains domains, SiteSettings settings, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        if (Refused(http) is { } refused)
        {
            return refused;
        }

        var form = await http.Request.ReadFormAsync(cancellationToken);
        var shard = form["shard"].ToString();
        var postgres = TenantContext.Configuration.GetPostgres();
        if (!TenantSlug.IsValid(slug) || await postgres.Catalog.GetAsync(slug, cancellationToken) is not { } record)
        {
            return await Index(http, domains, settings, cancellationToken, $"There is no website '{slug}'.", StatusCodes.Status404NotFound);
        }

        if (!postgres.Options.Shards.ContainsKey(shard) || shard == record.Shard)
        {
            return await Index(http, domains, settings, cancellationToken, $"Pick a shard other than '{record.Shard}' to move '{slug}' to.", StatusCodes.Status400BadRequest);
        }

        TenantMoveReport report;
        try
        {
            // Not the request's token: a browser closing the tab must not roll back a move half-way. Stopping the app does
            // (before the switch the website stays where it was; after it, the move finishes its clean-up).
            report = await postgres.Catalog.MoveAsync(slug, shard, cancellationToken: lifetime.ApplicationStopping);
        }
        catch (Exception ex) when (ex is PostgresTenantException or TenantUnavailableException or TenantAlreadyExistsException or ArgumentException)
        {
            return await Index(http, domains, settings, cancellationToken,
                $"'{slug}' was not moved: {ex.Message}", StatusCodes.Status409Conflict);
        }

        return Page("SiteBuilder", $"{slug} moved to {shard}", MoveReport(report, shard), "/admin");
    }

    /// <summary>The move's report: where from and to, each phase with its time, each table verified, the fence's length.</summary>
    private static string MoveReport(TenantMoveReport report, string shard)
    {
        var phases = string.Concat(report.Phases.Select(p => $"<tr><td>{p.Phase}</td><td>{p.Duration.TotalMilliseconds:0} ms</td></tr>"));
        var tables = string.Concat(report.Tables.Select(t =>
            $"<tr><td>{E(t.Table)}</td><td>{t.Rows}</td><td>{t.Bytes}</td><td>{(t.Verified ? "verified" : "not verified")}</td></tr>"));
        return $"""
            <p class="moved">Website <b>{E(report.Tenant)}</b> moved to shard <b>{E(shard)}</b>: it serves from {E(report.To)}, no longer
              from {E(report.From)}. {report.RowsCopied} rows copied and verified; its writes were fenced for {report.FenceDuration.TotalMilliseconds:0} ms.</p>
            <table><tr><th>table</th><th>rows</th><th>bytes</th><th>check</th></tr>{tables}</table>
            <h2>Phases</h2>
            <table><tr><th>phase</th><th>time</th></tr>{phases}</table>
            <p><a href="/admin">Back to the websites</a></p>
            """;
    }

    private static string MoveForm(PostgresTenantRecord record, IReadOnlyList<string> shards)
    {
        var targets = shards.Where(s => s != record.Shard).ToList();
        return targets.Count == 0
            ? "<span class=\"hint\">one shard</span>"
            : $"""
              <form method="post" action="/admin/websites/{E(record.Slug)}/move" class="inline">
                <select name="shard">{string.Concat(targets.Select(s => $"<option>{E(s)}</option>"))}</select>
                <button>Move to shard</button>
              </form>
              """;
    }

    /// <summary>Admin pages exist only where no website is named, and only for this machine.</summary>
    private static IResult? Refused(HttpContext http)
    {
        if (TenantContext.IsActive)
        {
            return NotFound("SiteBuilder", "There is no such page on this website.");
        }

        return FromOperator(http) ? null : NotOperator();
    }
}
