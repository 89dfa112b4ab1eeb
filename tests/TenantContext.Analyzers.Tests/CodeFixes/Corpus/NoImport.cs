// A file that does not import Tenancy, with a file-scoped namespace.
namespace Corpus.Plain;

public static class NoImport
{
    public static object Read() => Tenancy.TenantContext.GetDb();

    public static System.Func<object> Later() => () => Corpus.Wiki.Storage;
}
