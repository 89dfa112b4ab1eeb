namespace Tenancy.Npgsql;

/// <summary>
/// A tenant as the PostgreSQL catalog records it: the shared <see cref="TenantRecord"/> plus its placement — where its
/// data lives (<see cref="Shard"/>, <see cref="Isolation"/>, <see cref="SchemaName"/> or <see cref="DatabaseName"/>) and
/// the <see cref="Epoch"/> of that placement.
/// </summary>
/// <param name="Slug">The tenant's slug.</param>
/// <param name="State">Whether it can be entered.</param>
/// <param name="CreatedAt">When it was catalogued.</param>
/// <param name="ArchivedAt">When it was archived, if it is.</param>
/// <param name="Template">The tenant it was copied from, if any.</param>
/// <param name="Key">
/// The tenant's numeric catalog key (<c>bigint</c>), unique and never reused, not even by a later tenant of the same name.
/// Apps use it as their own tenant id (a <c>website_id</c> column); <see cref="PostgresIsolation.Rows"/> connections carry
/// it as <see cref="PostgresTenantSettings.TenantKey"/>.
/// </param>
/// <param name="Shard">The shard (one database on one server) the tenant lives on.</param>
/// <param name="Isolation">How its data is kept apart there.</param>
/// <param name="SchemaName">Its schema: its own (<see cref="PostgresIsolation.Schema"/>), otherwise <c>public</c>.</param>
/// <param name="DatabaseName">
/// The database holding its data: its own (<see cref="PostgresIsolation.Database"/>), otherwise the shard's database.
/// </param>
/// <param name="Version">Its schema version as last recorded by the catalog (the tenant's own record is authoritative).</param>
/// <param name="Epoch">
/// The placement's generation: 1 when created, incremented each time the placement changes (a move to another shard or
/// isolation). Routers compare it to the placement they hold and follow the catalog when it is newer.
/// </param>
public record PostgresTenantRecord(
    string Slug,
    TenantState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ArchivedAt,
    string? Template,
    long Key,
    string Shard,
    PostgresIsolation Isolation,
    string SchemaName,
    string DatabaseName,
    int Version,
    long Epoch)
    : TenantRecord(Slug, State, CreatedAt, ArchivedAt, Template)
{
    /// <summary>
    /// True while a move of this tenant is under way (from its mark until its switch or roll-back). While it is set, every
    /// router reads the catalog on every open of this tenant instead of trusting its cache for
    /// <see cref="PostgresTenantOptions.CatalogStaleness"/>, so no connection opened after the switch reaches the old place.
    /// </summary>
    public bool IsMoving { get; init; }
}
