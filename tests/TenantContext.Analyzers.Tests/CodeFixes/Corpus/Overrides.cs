// Overrides and implementations of members that do not require a tenant: [RequiresTenant] would be TC1007.
using System.Threading;
using System.Threading.Tasks;
using MediatR;
using Microsoft.Extensions.Hosting;
using Tenancy;

namespace Corpus;

public sealed class Worker : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        _ = Wiki.Db;                                                           // TC1001: enter a scope, no mark
    }

    public override string ToString() => TenantContext.Current.Slug;
}

public sealed record GetPage(string Name) : IRequest<string>;

public sealed class GetPageHandler : IRequestHandler<GetPage, string>
{
    public Task<string> Handle(GetPage request, CancellationToken cancellationToken) =>
        Task.FromResult(Wiki.Storage.GetPath(request.Name));
}

public sealed class ExplicitHandler : IRequestHandler<GetPage, string>
{
    Task<string> IRequestHandler<GetPage, string>.Handle(GetPage request, CancellationToken cancellationToken) =>
        Task.FromResult(TenantContext.Current.Slug + request.Name);
}

public sealed class Disposer : System.IDisposable
{
    public void Dispose() => Wiki.Storage.Delete("lock");
}
