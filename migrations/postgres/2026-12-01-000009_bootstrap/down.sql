DROP TABLE bootstrap;
