-- About 100 requests/s per connection: with -c10, about 1,000 requests/s.
function delay()
  return 10
end
