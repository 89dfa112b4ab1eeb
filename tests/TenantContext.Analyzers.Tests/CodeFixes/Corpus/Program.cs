// Top-level statements: nothing can be marked here (TC1001 says to enter a scope); a discarded scope gets 'using'.
using System;
using System.Threading.Tasks;
using Corpus;
using Tenancy;

var app = new WebApp();
app.MapGet("/db", () => Wiki.Db);                                  // a minimal-API handler: the lambda is marked
app.MapGet("/storage", (string name) => Wiki.Storage.Exists(name));
app.MapGet("/async", async () => { await Task.Yield(); return TenantContext.GetDb(); });

TenantContext.Enter("main");                                       // a discarded scope, statements after it
Console.WriteLine(TenantContext.Current.Slug);
_ = Wiki.Db;                                                       // top-level: no fix
