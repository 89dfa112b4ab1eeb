// Stand-ins for the frameworks the shapes come from (matched by name, as the real ones would be).
using System.Threading;
using System.Threading.Tasks;
using Tenancy;

namespace Microsoft.Extensions.Hosting
{
    public abstract class BackgroundService
    {
        protected abstract Task ExecuteAsync(CancellationToken stoppingToken);
        public virtual Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

namespace MediatR
{
    public interface IRequest<TResponse> { }
    public interface IRequestHandler<in TRequest, TResponse> where TRequest : IRequest<TResponse>
    {
        Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken);
    }
}

namespace Microsoft.EntityFrameworkCore
{
    public static class EntityFrameworkQueryableExtensions
    {
        public static System.Linq.IQueryable<T> IgnoreQueryFilters<T>(this System.Linq.IQueryable<T> source) where T : class => source;
        public static System.Linq.IQueryable<T> IgnoreQueryFilters<T>(this System.Linq.IQueryable<T> source, System.Collections.Generic.IReadOnlyCollection<string> filterKeys) where T : class => source;
        public static System.Linq.IQueryable<T> Include<T, TProperty>(this System.Linq.IQueryable<T> source, System.Linq.Expressions.Expression<System.Func<T, TProperty>> navigation) where T : class => source;
    }
}

namespace Corpus
{
    public sealed class WebApp
    {
        public WebApp MapGet(string pattern, System.Delegate handler) => this;
    }

    public sealed class Page : ITenantOwned
    {
        public string TenantId { get; set; } = "";
        public string Title { get; set; } = "";
    }

    [TenantAccessors]
    public static partial class Wiki
    {
        public static partial ITenantDatabase Db { get; }
        public static partial ITenantStorage Storage { get; }
    }
}
